# The demo services (canteen, registered letters, demo IdPs).
