# Attack: a fake torch next to the script, hoping the harness or the checks import it.
tensor = None
def __getattr__(name):
    raise RuntimeError("shadowed")
