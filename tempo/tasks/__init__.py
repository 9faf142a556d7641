"""Task-level APIs shared by the CLI and the demo: detect actions, search moments, restore, complete."""
