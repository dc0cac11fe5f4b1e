import packageJson from "../../package.json";

/** The web app's version as released (apps/web/package.json). */
export const APP_VERSION: string = packageJson.version;
