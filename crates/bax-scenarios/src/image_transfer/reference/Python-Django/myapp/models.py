# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the ImageTransfer scenario (Django): the uploaded images' records.
import uuid

from django.db import models


def new_image_id():
    # Unguessable: 122 random bits.
    return uuid.uuid4().hex


class Image(models.Model):
    id = models.CharField(max_length=32, primary_key=True, default=new_image_id, editable=False)
    # The stored file is always uploads/<id>; the client's file name is never used.
    mimetype = models.CharField(max_length=100)
    uploaded_at = models.DateTimeField(auto_now_add=True)
