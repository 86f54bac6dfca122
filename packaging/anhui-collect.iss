; Inno Setup script for the Windows installer of the office app.
; Build the one-folder bundle first (python packaging\build.py), then:
;   iscc /DAppVersion=0.1.0 packaging\anhui-collect.iss
; The installer goes to dist\installer\.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6C1E4F0B-7A52-4E0E-9B0B-3D1B2C7A9A41}
AppName=安徽省未来产业数据采集
AppVersion={#AppVersion}
AppVerName=安徽省未来产业数据采集 {#AppVersion}
AppPublisher=anhui-future-collect
DefaultDirName={autopf}\AnhuiFutureCollect
DefaultGroupName=安徽省未来产业数据采集
OutputDir=..\dist\installer
OutputBaseFilename=anhui-collect-setup-{#AppVersion}
SetupIconFile=app.ico
UninstallDisplayIcon={app}\anhui-collect.exe
Compression=lzma2/max
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Office PCs are shared: install for all users; data stays per user (platformdirs).
PrivilegesRequired=admin
WizardStyle=modern

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Files]
Source: "..\dist\anhui-collect\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\安徽省未来产业数据采集"; Filename: "{app}\anhui-collect.exe"
Name: "{group}\卸载"; Filename: "{uninstallexe}"
Name: "{autodesktop}\安徽省未来产业数据采集"; Filename: "{app}\anhui-collect.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Run]
; Prove the installed copy works before the clerk relies on it.
Filename: "{app}\anhui-collect.exe"; Parameters: "--self-test"; Flags: runhidden waituntilterminated; StatusMsg: "正在自检……"
Filename: "{app}\anhui-collect.exe"; Description: "{cm:LaunchProgram,安徽省未来产业数据采集}"; Flags: nowait postinstall skipifsilent
