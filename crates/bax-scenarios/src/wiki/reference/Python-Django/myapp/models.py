# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the Wiki scenario (Django): entries and their edit history.
import uuid

from django.db import models


def new_entry_id():
    return uuid.uuid4().hex


class Entry(models.Model):
    id = models.CharField(max_length=32, primary_key=True, default=new_entry_id, editable=False)
    title = models.CharField(max_length=500)
    content = models.TextField()
    created_by = models.CharField(max_length=200)
    last_modified_by = models.CharField(max_length=200)
    last_modified_at = models.DateTimeField(auto_now=True)

    def as_dict(self):
        return {
            "id": self.id,
            "title": self.title,
            "content": self.content,
            "lastModifiedBy": self.last_modified_by,
            "lastModifiedAt": self.last_modified_at.isoformat(),
        }

    def contributors(self):
        names = [self.created_by]
        for editor in self.edits.order_by("id").values_list("editor", flat=True):
            if editor not in names:
                names.append(editor)
        return names


class Edit(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="edits")
    editor = models.CharField(max_length=200)
    summary = models.CharField(max_length=2000)
    old_content = models.TextField()
    new_content = models.TextField()
    edited_at = models.DateTimeField(auto_now_add=True)
