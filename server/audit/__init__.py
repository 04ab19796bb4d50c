"""The audit log: who did what to which record, append-only and hash-chained.

Below every domain, so any use case can record what it did."""
