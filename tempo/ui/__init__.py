"""The Gradio moment-search app (the ``demo/`` folder and ``tempo demo`` only launch it)."""
