"""One module per task: how one video of that task is made, and how its annotation files are written."""
