"""Office Hours: executable answers to a machine-learning course's questions."""
