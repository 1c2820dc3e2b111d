"""The web front: HTTP API (api.py), Gradio chat (chat.py), shared HTML rendering (render.py)."""
