"""telekit — audit telehealth billing."""
