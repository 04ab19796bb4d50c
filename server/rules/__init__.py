"""The rule book: every operator-editable business rule, one versioned document.

Each section's schema is here (``pricing``, ``orders``, ``dispatch`` ...), so every domain
reads its rules from one place below it; ``store`` keeps the versions and answers "the
rules in force" once per transaction. Operators edit it through ``/ops/settings``.
"""
