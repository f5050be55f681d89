"""Figures as pure functions (DataFrame -> plotly Figure): one code path for pages, embeds, exports and tests."""
