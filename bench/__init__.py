"""`make bench`: a city-sized synthetic organisation in its own PostgreSQL database, and the
figures HR and staff feel at that size, each next to a baseline measured in the same run."""
