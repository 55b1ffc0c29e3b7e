"""A small object layer over a DB API module, in the OpenStack style.

It contains one instance of each defect the plugin finds. No request handler
in this file reaches the object layer, so most findings here are low: run
``flake8 --select=ASA --asa-confidence=low examples/`` (the review lens) to
see them all. At the default threshold only the traceback stored in the
database is shown, since that pattern is dangerous wherever it is.
"""
import traceback

from oslo_db import exception as db_exc

from widgets import exception
from widgets.db.main import api as db


class Widget:
    def __init__(self, context, **fields):
        self._context = context
        self.fields = fields

    def __contains__(self, name):
        return name in self.fields

    @classmethod
    def get_by_uuid(cls, context, widget_uuid):
        # Anyone who can guess a uuid can read any project's widget.
        row = db.widget_get_by_uuid(context, widget_uuid)
        return cls(context, **row)

    @staticmethod
    def pack_create(context, name, description):
        # Raw caller input and request-context values go straight into the row.
        return {
            'name': name,
            'description': description,
            'project_id': context.project_id,
            'user_id': context.user_id,
        }

    @classmethod
    def create(cls, context, name, description):
        values = cls.pack_create(context, name, description)
        try:
            row = db.widget_create(context, values)
        except db_exc.DBError:
            raise exception.WidgetCreateFailed()
        return cls(context, **row)

    def save(self):
        # Two requests can both pass the check and both insert.
        if 'id' in self:
            raise exception.ObjectActionError(action='create', reason='already created')
        db.widget_create(self._context, self.fields)

    def record_failure(self, event):
        try:
            self.run(event)
        except Exception:
            # The stack trace (paths, SQL, secrets in locals) ends up in a table users can read.
            db.widget_fault_create(self._context, {
                'widget_id': self.fields['id'],
                'details': traceback.format_exc(),
            })
            raise

    def run(self, event):
        raise NotImplementedError(event)
