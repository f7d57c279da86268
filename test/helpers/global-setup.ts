/** Placeholder: prepared databases for integration tests are set up here (see test/helpers/db.ts). */
export default async function setup(): Promise<void> {}
