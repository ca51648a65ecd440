"""Web pages of accounts (not under /api/): sign-in page, profile linking."""

urlpatterns: list = []
