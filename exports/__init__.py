"""Files made on request from the dashboard's figures: PNG pictures (kaleido driving Debian's
Chromium), PowerPoint decks (python-pptx) and their PDF (LibreOffice), and the command line that
makes them in batches (`python -m exports deck|png`).

This package builds on the dashboard (its queries, charts and the slide model in dashboard.slides);
the dashboard imports it only inside a download button's deferred callable, so a page rerun never
loads python-pptx or kaleido.
"""
