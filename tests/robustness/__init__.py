"""Bad data, faults and hostile input: each is refused clearly and nothing good is lost."""
