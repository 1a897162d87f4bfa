"""Reports: what happened in a day or a period, in sentences and short tables.

`build.build_report` is the one read: it returns a `Report`, and every format
renders that object: the page and its markdown (`views`), the API's JSON
(`incidents.api.reports`), the Atom feed (`feed`) and the daily digest e-mail
(alerts). Which records it may read is decided by the request's audience, like
every other read (incidents.public): an anonymous or `?view=public` request reads
the public view, so a report never holds more than the public API would show.
"""
