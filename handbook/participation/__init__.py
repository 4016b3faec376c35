"""Who has read, listened to and discussed what: the secretary's view of a meeting and the
reminders to those who have not read. Above the domains whose traces it gathers."""
