"""The security suite: each test attacks a live ``csto-kg serve`` process as a hostile client would
and asserts the promise the README makes (status, no connection to a loopback listener, the
server still answering, the CPU freed)."""
