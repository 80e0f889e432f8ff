"""Visit planning and routing: choose and order the day's visits for every team (issue 7)."""
