# Attack: copy a classmate's submission (the path is filled in by the test).
exec(open("{HONEST}").read())
