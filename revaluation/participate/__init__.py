"""Participants' co-design, story, selection and sense-making pages."""
