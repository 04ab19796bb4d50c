"""Cross-cutting pieces every domain uses: settings, db, errors, ids, clock, security."""
