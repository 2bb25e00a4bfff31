# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the ClickCount scenario (Django): the recorded clicks.
import uuid

from django.db import models


class Click(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    timestamp = models.DateTimeField(auto_now_add=True, db_index=True)

    def as_dict(self):
        return {"id": str(self.id), "timestamp": self.timestamp.isoformat()}
