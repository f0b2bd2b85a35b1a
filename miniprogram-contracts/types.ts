// Types of the CylinderTrace Mini Program API. Keep in step with examples/ and the host.

export type StatusCode =
  | 'unregistered' | 'scrapped' | 'detained' | 'past_scrap_date'
  | 'inspection_overdue' | 'inspection_due_soon' | 'in_service';

export interface CardStatus {
  code: StatusCode;
  label: string;        // short Chinese label, e.g. 超期未检
  safeToUse: boolean;
  severity: 'ok' | 'warning' | 'danger';
  warning: string;      // what is wrong, in plain words
  action: string;       // what the person should do now
}

export interface CardEnterprise { name: string; licenceNumber: string; }

export interface CylinderCard {
  code: string;
  status: CardStatus;
  cylinder: {
    serial: string;
    spec: string;                 // YSP12, YSP35.5, YSP118 ...
    manufacturer: string;
    manufactureDate: string;      // YYYY-MM-DD
    lastInspectionDate: string | null;
    nextInspectionDate: string;
    scrapDate: string;
    beyondDesignLife: boolean;
  };
  owner: CardEnterprise;                  // the filling enterprise holding property rights
  supplyStation: CardEnterprise | null;
  lastFill: { time: string; station: CardEnterprise | null; filledByOwner: boolean } | null;
  lastDelivery: {
    time: string;
    station: CardEnterprise | null;
    worker: { maskedName: string; employeeNumber: string; permitNumber: string; permitValid: boolean } | null;
  } | null;
  asOfDate: string;               // the day the status was derived for
}

export interface Problem {
  type: string;                   // urn:cylindertrace:problem:<code>
  title: string;
  status: number;
  detail: string;                 // show this to the user
  code?: string;
  traceId?: string;
  [extension: string]: unknown;
}

export interface CylinderNotRegistered extends Problem {
  cylinderCode: string;
  cylinderStatus: CardStatus;
}
