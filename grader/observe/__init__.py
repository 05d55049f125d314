"""Observing what student code does: the events it leaves, and what its source says.

* ``sites`` — where code reports values (print, display) and which functions it
  defines: positions both sides of the process boundary compute the same way.
* ``events`` — the typed, bounded wire format of what the instruments saw.
* ``instruments`` — the hooks installed inside the child before student code runs.
* ``source`` — facts decided from the syntax tree in the grader's process.
* ``perturb`` — rewriting a script's input literals for a second run.
"""
