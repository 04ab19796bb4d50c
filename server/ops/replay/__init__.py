"""What-if replay: the orders of a past period dispatched again under other rules.

``history`` reads the period (its orders, what happened to them, the technicians, where
they were and how they answered offers); ``rerun`` sends the orders through the real
dispatch core (``server.dispatch.engine``) under the rules to try; ``metrics`` compares
the two; ``chart`` draws it; ``service`` runs a replay (``doorstep replay`` and the
``ops.replay`` job behind ``POST /ops/dispatch/replays``).
"""
