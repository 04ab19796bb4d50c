"""One screen per file: a function from the state to its ``ft.View``. The routes that
show them are in :mod:`customer_app.navigation`."""
