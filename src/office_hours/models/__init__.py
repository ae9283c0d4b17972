"""The course's models: the code the answers teach, each with oracle tests."""
