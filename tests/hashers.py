"""A password hasher for the tests: PBKDF2 as in production, with far fewer rounds.

Production hashes take a quarter of a second by design; the suite creates and logs in
hundreds of users. The hashes keep the production algorithm's name and carry their
rounds, so a server started in another process with the production settings (gunicorn
in the browser tests) still verifies them, and upgrades them at the first login.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class QuickPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1_000
