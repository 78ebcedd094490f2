"""An in-memory Oracle NetSuite: SuiteTalk REST record service, SuiteQL, TBA and OAuth 2.0."""
