import { runService } from "@emporium/platform/service/run-service";
import { ordersService } from "./app.js";

await runService(ordersService);
