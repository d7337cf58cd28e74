/** Runs once before all test files. */
export default async function globalSetup(): Promise<void> {
  // Filled in by the database work: migrate a template database that each e2e file clones.
}
