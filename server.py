from csto_kg.web import create_app
app = create_app()
