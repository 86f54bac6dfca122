"""Moving records in and out of the office: audit exports, their verification, Excel import."""
