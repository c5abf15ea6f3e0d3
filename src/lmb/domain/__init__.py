"""The pure model of last-minute booking: no I/O, no clock, no framework."""
