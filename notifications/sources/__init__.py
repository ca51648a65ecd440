"""Where notifications come from: one module per source (bookings, matches, table watches,
achievements). Their signal receivers are connected by `notifications.receivers.connect()`,
called from `NotificationsConfig.ready()`.
"""
