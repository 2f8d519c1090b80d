"""Activities: activities and tasks on any record, reminders, the in-app inbox and its delivery outbox."""
