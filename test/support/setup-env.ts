// Tests read as the specification of a system that runs in UTC.
process.env.TZ = 'UTC';
