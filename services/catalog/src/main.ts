import { runService } from "@emporium/platform/service/run-service";
import { catalogService } from "./app.js";

await runService(catalogService);
