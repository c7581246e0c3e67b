"""Renderers: an :class:`~digest.model.Edition` to email HTML, plain text, .eml and feeds."""
