"""Importers: JSON Lines (jsonl) and WordPress exports (wordpress, wxr). They write sections,
authors and tags themselves and every story through the workflow's bulk entry point
(``articles.workflow.bulk``), never around it; the management commands only call them."""
