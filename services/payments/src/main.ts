import { runService } from "@emporium/platform/service/run-service";
import { paymentsService } from "./app.js";

await runService(paymentsService);
