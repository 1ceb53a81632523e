import { runService } from "@emporium/platform/service/run-service";
import { inventoryService } from "./app.js";

await runService(inventoryService);
