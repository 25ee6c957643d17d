"""Speed and quality figures for `make bench`: printed, never asserted."""
