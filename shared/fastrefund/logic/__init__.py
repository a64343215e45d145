"""The use cases: what each request or event does, written against the ports of the layers below."""
