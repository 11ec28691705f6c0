import { startLocalApi } from './app';
import { readLocalSettings } from './settings';
import { ensureConsoleBuilt } from './web-build';

/** `npm start`: the whole API on one port, with its data under IMAGER_DATA_DIR. */
// The Lambda runtime is Node 24; locally on Node 20 the SDK's upgrade notice is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// cognito-local still loads the v2 SDK (for KMS), which announces its maintenance mode at load.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';

async function main(): Promise<void> {
  const settings = readLocalSettings();
  // Last line of defence: the gateway already turns handler failures into 502s.
  process.on('uncaughtException', (error) => console.error('uncaught exception (kept running)', error));
  process.on('unhandledRejection', (error) => console.error('unhandled rejection (kept running)', error));

  await ensureConsoleBuilt();
  const api = await startLocalApi(settings, {
    // What Cognito would email: printed so a person signing up locally can confirm.
    onConfirmationMessage: ({ email, code }) => console.log(`Confirmation code for ${email}: ${code}`),
  });
  console.log(`Imager local API listening on ${api.url}`);
  console.log(`Web console: ${api.url}/ (sign up there; confirmation codes are printed here)`);
  console.log(`Cognito emulator: ${api.cognito.endpoint} (user pool ${api.cognito.userPoolId})`);
  console.log(`Data directory: ${settings.dataDir}`);
  const repaired = api.emulators.indexRepair;
  if (repaired.phantomsRemoved + repaired.staleFixed + repaired.missingAdded > 0) {
    console.log(`Repaired the local DynamoDB indexes after an unclean stop: ${JSON.stringify(repaired)}`);
  }
  console.log(`Dev API key (account "dev"): ${api.devKey}`);
  console.log(`Try: curl -H "Authorization: Bearer ${api.devKey}" -F "image=@photo.jpg" ${api.url}/api/images/upload`);

  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    api.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(`Imager failed to start: ${(error as Error).message}`);
  process.exit(1);
});
