import { runService } from "@emporium/platform/service/run-service";
import { identityService } from "./app.js";

await runService(identityService);
