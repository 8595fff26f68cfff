"""drivers/sim package."""
