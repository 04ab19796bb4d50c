"""The tables of the initial revision (versions/552160ac3df0_initial_schema.py), one module
per domain. Each module's ``upgrade()`` creates its tables (and their indexes) after the
tables their foreign keys point to, and ``downgrade()`` drops them in the reverse order;
the revision calls the modules in an order where every foreign key points to a table
already created. The package sits outside ``versions/`` because Alembic reads every
``.py`` file there as a revision."""
