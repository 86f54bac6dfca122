<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AddUserDialog</name>
    <message>
        <source>Add a user</source>
        <translation>添加用户</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
</context>
<context>
    <name>AdminPage</name>
    <message>
        <source>Office and first administrator</source>
        <translation>办公室与第一位管理员</translation>
    </message>
    <message>
        <source>The passphrase protects the encrypted database on this computer. Nobody can recover it for you; the recovery key on the next page can.</source>
        <translation>口令用于保护本机上的加密数据库。口令遗忘后任何人都无法替您找回，只能使用下一页的恢复密钥。</translation>
    </message>
    <message>
        <source>e.g. 蜀山区科学技术局</source>
        <translation>如：蜀山区科学技术局</translation>
    </message>
    <message>
        <source>Your name, e.g. 张三</source>
        <translation>您的姓名，如：张三</translation>
    </message>
    <message>
        <source>Office name</source>
        <translation>办公室名称</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>口令</translation>
    </message>
    <message>
        <source>Passphrase again</source>
        <translation>再次输入口令</translation>
    </message>
    <message>
        <source>The two passphrases differ.</source>
        <translation>两次输入的口令不一致。</translation>
    </message>
    <message>
        <source>Creating the encrypted database…</source>
        <translation>正在创建加密数据库…</translation>
    </message>
</context>
<context>
    <name>AppController</name>
    <message>
        <source>The key file (keyslots.json) is partly damaged:
{problems}

You could sign in, but an admin should run &apos;anhui-collect check&apos; and restore the file from a backup or reset the passphrases it names.</source>
        <translation>密钥文件（keyslots.json）部分损坏：
{problems}

您已登录，但请管理员运行“anhui-collect check”检查，并从备份恢复该文件，或为其中列出的用户重设口令。</translation>
    </message>
    <message>
        <source>Locked after a period without use. Unsaved typing was kept.</source>
        <translation>长时间未操作，已自动锁定。未保存的录入内容已保留。</translation>
    </message>
    <message>
        <source>Sign in as another user of this office.</source>
        <translation>以本办公室的其他用户身份登录。</translation>
    </message>
</context>
<context>
    <name>AttachmentField</name>
    <message>
        <source>Attach file…</source>
        <translation>附加文件…</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <source>Save a copy…</source>
        <translation>另存一份…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Attach a file</source>
        <translation>附加文件</translation>
    </message>
    <message>
        <source>Evidence files (*.pdf *.ofd *.jpg *.jpeg *.png);;All files (*)</source>
        <translation>证明材料 (*.pdf *.ofd *.jpg *.jpeg *.png);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Save a copy</source>
        <translation>另存一份</translation>
    </message>
</context>
<context>
    <name>AttachmentPreview</name>
    <message>
        <source>This kind of file cannot be shown here; save a copy to open it.</source>
        <translation>此类文件无法在这里显示；请另存一份后用其他软件打开。</translation>
    </message>
    <message>
        <source>PDF preview is not available; save a copy to open it.</source>
        <translation>无法预览 PDF；请另存一份后打开。</translation>
    </message>
</context>
<context>
    <name>BooleanField</name>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
</context>
<context>
    <name>BulkActions</name>
    <message numerus="yes">
        <source>Checking %n record(s)…</source>
        <translation>
            <numerusform>正在检查 %n 条记录…</numerusform>
        </translation>
    </message>
    <message>
        <source>Checked {done} of {total}; {final} marked final so far</source>
        <translation>已检查 {done} / {total} 条，已定稿 {final} 条</translation>
    </message>
    <message numerus="yes">
        <source>%n record(s) marked final; they will be sent at the next sync.</source>
        <translation>
            <numerusform>%n 条记录已定稿，将在下次同步时上报。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n were final or sent already.</source>
        <translation>
            <numerusform>另有 %n 条原已定稿或已上报。</numerusform>
        </translation>
    </message>
    <message>
        <source>Cancelled before the end of the selection.</source>
        <translation>未处理完所选记录就已取消。</translation>
    </message>
    <message numerus="yes">
        <source>%n record(s) have problems and stay drafts:</source>
        <translation>
            <numerusform>%n 条记录有问题，仍为草稿：</numerusform>
        </translation>
    </message>
    <message>
        <source>{form} list.xlsx</source>
        <translation>{form}列表.xlsx</translation>
    </message>
    <message>
        <source>Save the list as an Excel workbook</source>
        <translation>将列表保存为 Excel 工作簿</translation>
    </message>
    <message>
        <source>Excel workbooks (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>Saving {name}…</source>
        <translation>正在保存 {name}…</translation>
    </message>
    <message>
        <source>Saving: {done} of {total} records</source>
        <translation>正在保存：{done} / {total} 条记录</translation>
    </message>
    <message>
        <source>Saved {n} records to {path}.</source>
        <translation>已将 {n} 条记录保存到 {path}。</translation>
    </message>
</context>
<context>
    <name>ChangePassphraseDialog</name>
    <message>
        <source>New passphrase for {user}</source>
        <translation>为“{user}”设置新口令</translation>
    </message>
    <message>
        <source>Only the key wrapping is redone; the data is not re-encrypted.</source>
        <translation>只重新封装密钥，数据本身不会重新加密。</translation>
    </message>
</context>
<context>
    <name>Dashboard</name>
    <message>
        <source>{sentence} {next}</source>
        <translation>{sentence}{next}</translation>
    </message>
    <message>
        <source>, due {day}</source>
        <translation>，截止 {day}</translation>
    </message>
    <message>
        <source>Reporting period open: {form} {year}{due}. {reported} of {total} enterprise(s) reported.</source>
        <translation>填报期开放中：{year}年度{form}{due}。{total} 家企业中已定稿 {reported} 家。</translation>
    </message>
    <message>
        <source>No report yet ({n}): {names}.</source>
        <translation>未填报（{n} 家）：{names}。</translation>
    </message>
    <message>
        <source>Report not final ({n}): {names}.</source>
        <translation>未定稿（{n} 家）：{names}。</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source> and {n} more</source>
        <translation>，另有 {n} 家</translation>
    </message>
    <message>
        <source>Progress and investment take this year&apos;s annual reports and figures</source>
        <translation>进展和项目投资取这一年度的企业年度数据和金额</translation>
    </message>
    <message>
        <source>Reporting year</source>
        <translation>报告年度</translation>
    </message>
    <message>
        <source>{year}</source>
        <translation>{year}年度</translation>
    </message>
    <message>
        <source>Overview of {office}</source>
        <translation>{office} 数据概览</translation>
    </message>
    <message>
        <source>Records</source>
        <translation>记录总数</translation>
    </message>
    <message>
        <source>Drafts waiting</source>
        <translation>待完成草稿</translation>
    </message>
    <message>
        <source>Final, not yet synced</source>
        <translation>已定稿、待同步</translation>
    </message>
    <message>
        <source>Returned for correction</source>
        <translation>已退回待修改</translation>
    </message>
    <message>
        <source>Synced to the province</source>
        <translation>已同步至省级</translation>
    </message>
    <message>
        <source>Measure of the plan</source>
        <translation>方案指标</translation>
    </message>
    <message>
        <source>This office</source>
        <translation>本办公室</translation>
    </message>
    <message numerus="yes">
        <source>%n record(s) not yet synced in all</source>
        <translation>
            <numerusform>未同步的共 %n 条</numerusform>
        </translation>
    </message>
    <message>
        <source>Targets are for the whole province; this office&apos;s records add to them. Counted: {n} records; money and annual figures of {year}. Select a measure to see it by sector.</source>
        <translation>目标为全省合计，本办公室的记录计入其中。已计入 {n} 条记录，金额和年度数据取{year}年度。选中一项指标可查看其按领域的分布。</translation>
    </message>
    <message>
        <source>{measure} by sector (2030 target: {target})</source>
        <translation>{measure}：按领域（2030年目标 {target}）</translation>
    </message>
    <message>
        <source>2027</source>
        <translation>2027年目标</translation>
    </message>
    <message>
        <source>2030</source>
        <translation>2030年目标</translation>
    </message>
    <message>
        <source>The plan&apos;s target for 2027</source>
        <translation>方案提出的2027年目标</translation>
    </message>
    <message>
        <source>The plan&apos;s target for 2030</source>
        <translation>方案提出的2030年目标</translation>
    </message>
    <message>
        <source>No records yet. Choose a form on the left and add the first one.</source>
        <translation>还没有记录。请在左侧选择表单，录入第一条记录。</translation>
    </message>
    <message>
        <source>Progress toward the plan&apos;s targets (final, queued and synced records count)</source>
        <translation>发展目标进展（计入已定稿、待同步和已同步的记录）</translation>
    </message>
    <message>
        <source>Sectors</source>
        <translation>领域与状态</translation>
    </message>
    <message>
        <source>Records by sector and status</source>
        <translation>各领域记录及其状态</translation>
    </message>
    <message>
        <source>Investment</source>
        <translation>项目投资</translation>
    </message>
    <message>
        <source>Financing events</source>
        <translation>融资事件</translation>
    </message>
    <message>
        <source>A measure of the plan, by sector</source>
        <translation>行动计划的一项指标，按领域分列</translation>
    </message>
    <message>
        <source>Project investment</source>
        <translation>项目投资</translation>
    </message>
    <message>
        <source>Financing</source>
        <translation>融资事件</translation>
    </message>
    <message>
        <source>Measures</source>
        <translation>指标按领域</translation>
    </message>
    <message numerus="yes">
        <source>%n unsaved edit(s) kept</source>
        <translation>
            <numerusform>另有 %n 份未保存的录入</numerusform>
        </translation>
    </message>
    <message>
        <source>No sector</source>
        <translation>未选领域</translation>
    </message>
</context>
<context>
    <name>DateField</name>
    <message>
        <source>Pick a date</source>
        <translation>选择日期</translation>
    </message>
</context>
<context>
    <name>DraftsDialog</name>
    <message>
        <source>Unsaved work found</source>
        <translation>发现未保存的录入</translation>
    </message>
    <message>
        <source>These entries were being typed when the app last stopped (a lock, a crash or a power cut). Restore one to continue where you left off.</source>
        <translation>以下内容是程序上次停止（锁定、崩溃或断电）时正在录入的。选择一项恢复，即可从中断处继续。</translation>
    </message>
    <message>
        <source>Restore</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>丢弃</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
</context>
<context>
    <name>EnrollForm</name>
    <message>
        <source>The address of the provincial endpoint, as the province gave it</source>
        <translation>省里提供的省级端点地址</translation>
    </message>
    <message>
        <source>Only if the province gave you a certificate file (.pem)</source>
        <translation>仅当省里提供了证书文件（.pem）时填写</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Recommended: the key id printed with the code</source>
        <translation>建议填写：与登记码一同给出的密钥编号</translation>
    </message>
    <message>
        <source>Enroll this device</source>
        <translation>登记本设备</translation>
    </message>
    <message>
        <source>Enroll with a new key</source>
        <translation>用新密钥重新登记</translation>
    </message>
    <message>
        <source>Makes a new device key and enrolls with it. Use it when the province says it already knows this device&apos;s key.</source>
        <translation>生成新的设备密钥并用它登记。仅在省里提示“已登记过本设备的密钥”时使用。</translation>
    </message>
    <message>
        <source>Endpoint address</source>
        <translation>省级端点地址</translation>
    </message>
    <message>
        <source>One-time enrollment code</source>
        <translation>一次性登记码</translation>
    </message>
    <message>
        <source>CA certificate (optional)</source>
        <translation>CA 证书（可选）</translation>
    </message>
    <message>
        <source>Province key id (optional)</source>
        <translation>省级密钥编号（可选）</translation>
    </message>
    <message>
        <source>Choose the province&apos;s CA certificate</source>
        <translation>选择省里的 CA 证书</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt);;All files (*)</source>
        <translation>证书 (*.pem *.crt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Enter the endpoint&apos;s address, starting with https://</source>
        <translation>请填写省级端点地址，以 https:// 开头。</translation>
    </message>
    <message>
        <source>Enter the one-time code the province gave you.</source>
        <translation>请填写省里发给您的一次性登记码。</translation>
    </message>
    <message>
        <source>The certificate file {path} does not exist.</source>
        <translation>证书文件 {path} 不存在。</translation>
    </message>
    <message>
        <source>Contacting the province…</source>
        <translation>正在联系省级端点…</translation>
    </message>
    <message>
        <source>Enrolled; device id {id}.</source>
        <translation>登记成功，设备编号 {id}。</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>Anhui Future Industry Data Collection</source>
        <translation>安徽省未来产业数据采集</translation>
    </message>
    <message>
        <source> On the unlock screen, choose “Forgot the passphrase?”.</source>
        <translation>在解锁界面点击“忘记口令？”即可。</translation>
    </message>
    <message>
        <source>The computer ran out of memory. Close other programs and try again.</source>
        <translation>内存不足。请关闭其他程序后重试。</translation>
    </message>
    <message>
        <source>An unexpected error occurred. Your saved data is safe. Details were written to {path}.</source>
        <translation>出现意外错误。已保存的数据完好无损。详细信息已写入 {path}。</translation>
    </message>
</context>
<context>
    <name>ExportPage</name>
    <message>
        <source>Writing records</source>
        <translation>正在写出记录</translation>
    </message>
    <message>
        <source>Writing the version history</source>
        <translation>正在写出版本历史</translation>
    </message>
    <message>
        <source>Writing receipts and checkpoints</source>
        <translation>正在写出回执和检查点</translation>
    </message>
    <message>
        <source>Writing the public keys</source>
        <translation>正在写出公钥</translation>
    </message>
    <message>
        <source>Signing the manifest</source>
        <translation>正在签署清单</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>What to export</source>
        <translation>导出内容</translation>
    </message>
    <message>
        <source>Only records changed on or after</source>
        <translation>仅导出此日期及以后改动的记录：</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>导出位置</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Choose where to put the export</source>
        <translation>选择导出数据包的存放位置</translation>
    </message>
    <message>
        <source>In the folder</source>
        <translation>存放文件夹</translation>
    </message>
    <message>
        <source>A new folder named after this office and the time is made there, e.g. on a USB stick for the auditor.</source>
        <translation>将在其中新建一个以本单位和时间命名的文件夹，例如放在交给审计人员的U盘上。</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Verify this export</source>
        <translation>核验刚导出的数据包</translation>
    </message>
    <message>
        <source>Verify an export folder…</source>
        <translation>核验导出包…</translation>
    </message>
    <message>
        <source>Choose an export folder to verify</source>
        <translation>选择要核验的导出文件夹</translation>
    </message>
    <message>
        <source>File or record</source>
        <translation>文件或记录</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>In the export</source>
        <translation>导出包内容</translation>
    </message>
    <message>
        <source>Count</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Export for audit</source>
        <translation>审计导出</translation>
    </message>
    <message>
        <source>Writes what an auditor needs to check this office without trusting it: the records of the chosen forms (Excel, CSV and JSON Lines), their full version history, the province&apos;s receipts, the public keys and a manifest signed by this device. Auditors check it offline with “anhui-collect verify-export”.</source>
        <translation>写出审计人员独立核查本单位数据所需的全部内容：所选表单的记录（Excel、CSV 和 JSON Lines）、完整的版本历史、省里的回执、公钥，以及由本设备签名的清单。审计人员可用“anhui-collect verify-export”离线核验。</translation>
    </message>
    <message>
        <source>{org_unit}-audit-export-{time}</source>
        <translation>{org_unit}-审计导出-{time}</translation>
    </message>
    <message>
        <source>Tick at least one form to export.</source>
        <translation>请至少勾选一个表单。</translation>
    </message>
    <message>
        <source>Choose an existing folder to put the export in.</source>
        <translation>请选择一个已存在的文件夹来存放导出包。</translation>
    </message>
    <message>
        <source>Exporting to {path}…</source>
        <translation>正在导出到 {path}…</translation>
    </message>
    <message>
        <source>{step}: {done} of {total}</source>
        <translation>{step}：{done} / {total}</translation>
    </message>
    <message>
        <source>Exported {records} records, {versions} versions and {receipts} receipts to {path}. Verify it now to be sure it reads back as written.</source>
        <translation>已导出 {records} 条记录、{versions} 个版本、{receipts} 份回执到 {path}。建议立即核验，确认数据包完好。</translation>
    </message>
    <message>
        <source>Records: {form}</source>
        <translation>记录：{form}</translation>
    </message>
    <message>
        <source>Record versions</source>
        <translation>记录版本</translation>
    </message>
    <message>
        <source>History entries</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <source>Batches sent to the province</source>
        <translation>上报省里的批次</translation>
    </message>
    <message>
        <source>Receipts from the province</source>
        <translation>省里的回执</translation>
    </message>
    <message>
        <source>Verifying {path}…</source>
        <translation>正在核验 {path}…</translation>
    </message>
    <message>
        <source>{path} verifies: {files} files, {versions} versions, {history} history entries and {receipts} receipts match the manifest signed by the office.</source>
        <translation>核验通过：{path} 中 {files} 个文件、{versions} 个版本、{history} 条历史、{receipts} 份回执均与办公室签名的清单一致。</translation>
    </message>
    <message numerus="yes">
        <source>{path} does NOT verify: %n problem(s). The export was changed, damaged or is incomplete.</source>
        <translation>
            <numerusform>核验未通过：{path} 有 %n 处问题。数据包已被改动、损坏或不完整。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>GroupField</name>
    <message>
        <source>Add {label}</source>
        <translation>添加{label}</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>No. {n}</source>
        <translation>第 {n} 项</translation>
    </message>
</context>
<context>
    <name>ImportPage</name>
    <message>
        <source>Reading the workbook: {done} rows</source>
        <translation>正在读取工作簿：{done} 行</translation>
    </message>
    <message>
        <source>Checking rows: {done} of {total}</source>
        <translation>正在校验：{done} / {total} 行</translation>
    </message>
    <message>
        <source>Saving {total} records</source>
        <translation>正在保存 {total} 条记录</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Excel workbooks (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>An .xlsx file in the layout of a template or an export</source>
        <translation>按模板或导出格式填写的 .xlsx 文件</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Choose the workbook to import</source>
        <translation>选择要导入的工作簿</translation>
    </message>
    <message>
        <source>Import the rows without problems even if other rows have some</source>
        <translation>即使有的行有问题，也导入没有问题的行</translation>
    </message>
    <message>
        <source>Import as final (ready to sync) instead of as drafts</source>
        <translation>导入为定稿（可同步），而不是草稿</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>Sheet</source>
        <translation>工作表</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>行</translation>
    </message>
    <message>
        <source>Column</source>
        <translation>列</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>Open the error report&apos;s folder</source>
        <translation>打开错误报告所在文件夹</translation>
    </message>
    <message>
        <source>Workbook</source>
        <translation>工作簿</translation>
    </message>
    <message>
        <source>By default nothing is imported while any row has a problem: correct the rows the report names and import the file again.</source>
        <translation>默认情况下，只要有一行有问题就全部不导入：请按错误报告改正相应的行后重新导入。</translation>
    </message>
    <message>
        <source>Save template…</source>
        <translation>下载模板…</translation>
    </message>
    <message>
        <source>Import from Excel</source>
        <translation>从 Excel 导入</translation>
    </message>
    <message>
        <source>Choose the workbook (.xlsx) to import.</source>
        <translation>请选择要导入的工作簿（.xlsx）。</translation>
    </message>
    <message>
        <source>Reading {name}…</source>
        <translation>正在读取 {name}…</translation>
    </message>
    <message>
        <source>1. Start from a template</source>
        <translation>第一步：下载模板</translation>
    </message>
    <message>
        <source>An empty workbook for one form: its column headers, drop-down lists for its choices and one grey example row, which is never imported.</source>
        <translation>每个表单一个空白工作簿：含列名、选项下拉列表和一行灰色示例（示例行不会被导入）。</translation>
    </message>
    <message>
        <source>2. Import a filled-in workbook</source>
        <translation>第二步：导入填好的工作簿</translation>
    </message>
    <message>
        <source>Goes to</source>
        <translation>导入到</translation>
    </message>
    <message>
        <source>Rows to read</source>
        <translation>将读取行数</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message numerus="yes">
        <source>The import will read %n record(s)</source>
        <translation>
            <numerusform>将读取 %n 条记录</numerusform>
        </translation>
    </message>
    <message>
        <source>; the template&apos;s example row is skipped</source>
        <translation>；模板的示例行会被跳过</translation>
    </message>
    <message>
        <source>. Select a sheet to see its first rows.</source>
        <translation>。选中工作表可查看其前几行。</translation>
    </message>
    <message>
        <source>Not a sheet of any form: not imported</source>
        <translation>不是任何表单的工作表：不导入</translation>
    </message>
    <message>
        <source>Example row {rows} skipped</source>
        <translation>第 {rows} 行为示例行，跳过</translation>
    </message>
    <message>
        <source>as final records</source>
        <translation>（定稿）</translation>
    </message>
    <message>
        <source>as drafts</source>
        <translation>（草稿）</translation>
    </message>
    <message numerus="yes">
        <source>Imported %n record(s) {status}.</source>
        <translation>
            <numerusform>已导入 %n 条记录{status}。</numerusform>
        </translation>
    </message>
    <message>
        <source>The workbook holds no rows to import.</source>
        <translation>工作簿中没有可导入的行。</translation>
    </message>
    <message numerus="yes">
        <source>Imported %n record(s) {status}; </source>
        <translation>
            <numerusform>已导入 %n 条记录{status}；</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n row(s) with problems were left out (listed below).</source>
        <translation>
            <numerusform>%n 行有问题，未导入（见下表）。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Nothing was imported: %n row(s) have problems (listed below).</source>
        <translation>
            <numerusform>未导入任何记录：%n 行有问题（见下表）。</numerusform>
        </translation>
    </message>
    <message>
        <source>The error report is the workbook again, with a column headed &quot;错误&quot;: {name}</source>
        <translation>错误报告即原工作簿加上“错误”一列：{name}</translation>
    </message>
    <message>
        <source>The first {shown} of {all} problems are listed; the error report has all of them.</source>
        <translation>下表列出 {all} 处问题中的前 {shown} 处，错误报告中有全部问题。</translation>
    </message>
    <message>
        <source>Import cancelled; nothing was imported.</source>
        <translation>已取消导入，未导入任何记录。</translation>
    </message>
    <message>
        <source>{form} import template.xlsx</source>
        <translation>{form}导入模板.xlsx</translation>
    </message>
    <message>
        <source>Save the import template</source>
        <translation>保存导入模板</translation>
    </message>
    <message>
        <source>Writing {name}…</source>
        <translation>正在写出 {name}…</translation>
    </message>
    <message>
        <source>Saved {path}. Fill it in, then import it above.</source>
        <translation>已保存 {path}。填好后在上方导入。</translation>
    </message>
</context>
<context>
    <name>FinancingPanel</name>
    <message>
        <source>Year</source>
        <translation>年度</translation>
    </message>
    <message>
        <source>Events</source>
        <translation>事件数</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>融资金额</translation>
    </message>
    <message>
        <source>Round</source>
        <translation>融资轮次</translation>
    </message>
    <message>
        <source>Financing by year (10k yuan)</source>
        <translation>分年度融资（万元）</translation>
    </message>
    <message>
        <source>Financing by round (10k yuan)</source>
        <translation>分轮次融资（万元）</translation>
    </message>
    <message numerus="yes">
        <source> %n draft or returned event(s) not counted.</source>
        <translation>
            <numerusform>另有 %n 个未定稿或被退回的融资事件未计入。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n final financing event(s), {amount} (10k yuan) raised in all.</source>
        <translation>
            <numerusform>已定稿融资事件 %n 个，融资金额合计 {amount} 万元。</numerusform>
        </translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
</context>
<context>
    <name>InvestmentPanel</name>
    <message>
        <source>Year</source>
        <translation>年度</translation>
    </message>
    <message>
        <source>Planned</source>
        <translation>计划投资</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>完成投资</translation>
    </message>
    <message>
        <source>Funding source</source>
        <translation>资金来源</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Investment by year (10k yuan)</source>
        <translation>分年度投资（万元）</translation>
    </message>
    <message>
        <source>Funds secured by source (10k yuan)</source>
        <translation>按来源已落实资金（万元）</translation>
    </message>
    <message numerus="yes">
        <source> %n draft or returned project(s) not counted.</source>
        <translation>
            <numerusform>另有 %n 个未定稿或被退回的项目未计入。</numerusform>
        </translation>
    </message>
    <message>
        <source>In {year}: planned {planned}, completed {completed} (10k yuan). </source>
        <translation>{year}年：计划投资 {planned} 万元，完成投资 {completed} 万元。</translation>
    </message>
    <message numerus="yes">
        <source>%n final project(s), total investment {total} (10k yuan).</source>
        <translation>
            <numerusform>已定稿项目 %n 个，总投资 {total} 万元。</numerusform>
        </translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Anhui Future Industry Data Collection — {office}</source>
        <translation>安徽省未来产业数据采集 — {office}</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>数据概览</translation>
    </message>
    <message>
        <source>Forms</source>
        <translation>填报表单</translation>
    </message>
    <message>
        <source>Province</source>
        <translation>省级</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <source>Data exchange</source>
        <translation>数据交换</translation>
    </message>
    <message>
        <source>Import from Excel</source>
        <translation>从 Excel 导入</translation>
    </message>
    <message>
        <source>Export for audit</source>
        <translation>审计导出</translation>
    </message>
    <message>
        <source>{user} ({role})</source>
        <translation>{user}（{role}）</translation>
    </message>
    <message>
        <source>administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>clerk</source>
        <translation>填报员</translation>
    </message>
    <message>
        <source>Unsaved changes found</source>
        <translation>发现未保存的修改</translation>
    </message>
    <message>
        <source>There are unsaved changes to this record from an earlier session. Continue with them?</source>
        <translation>这条记录有上次未保存的修改，是否继续编辑这些内容？</translation>
    </message>
    <message>
        <source>Restore them</source>
        <translation>恢复修改</translation>
    </message>
    <message>
        <source>Discard them</source>
        <translation>丢弃修改</translation>
    </message>
    <message>
        <source>&amp;Office</source>
        <translation>办公室(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Lock</source>
        <translation>锁定(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Switch user…</source>
        <translation>切换用户(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Users…</source>
        <translation>用户管理(&amp;U)…</translation>
    </message>
    <message>
        <source>Se&amp;ttings…</source>
        <translation>设置(&amp;T)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Records</source>
        <translation>记录(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;New record</source>
        <translation>新建记录(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Find in the list</source>
        <translation>在列表中查找(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Overview</source>
        <translation>数据概览(&amp;O)</translation>
    </message>
</context>
<context>
    <name>NotFinalizedDialog</name>
    <message>
        <source>Records not marked final</source>
        <translation>未能定稿的记录</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Why it was not marked final</source>
        <translation>未能定稿的原因</translation>
    </message>
</context>
<context>
    <name>OrgUnitPage</name>
    <message>
        <source>Which office is this?</source>
        <translation>这是哪个办公室？</translation>
    </message>
    <message>
        <source>Choose the county, district or park this office reports for. Type to search by name or code.</source>
        <translation>请选择本办公室负责填报的县（区）或园区。可输入名称或代码搜索。</translation>
    </message>
    <message>
        <source>Search, e.g. 蜀山 or 340104</source>
        <translation>搜索，如：蜀山 或 340104</translation>
    </message>
</context>
<context>
    <name>Passphrase</name>
    <message>
        <source>At least {n} characters; a short sentence is easy to remember and hard to guess.</source>
        <translation>至少 {n} 个字符；用一句短话作口令，好记又难猜。</translation>
    </message>
    <message>
        <source>Too short or too common: at least {n} characters, not a simple sequence.</source>
        <translation>太短或太常见：至少 {n} 个字符，不要用简单序列。</translation>
    </message>
    <message>
        <source>Weak: make it longer.</source>
        <translation>较弱：请再长一些。</translation>
    </message>
    <message>
        <source>Fair: a few more words would make it strong.</source>
        <translation>一般：再加几个字会更安全。</translation>
    </message>
    <message>
        <source>Good.</source>
        <translation>良好。</translation>
    </message>
    <message>
        <source>Strong.</source>
        <translation>很强。</translation>
    </message>
</context>
<context>
    <name>PassphraseForm</name>
    <message>
        <source>Passphrase</source>
        <translation>口令</translation>
    </message>
    <message>
        <source>Again</source>
        <translation>再输一次</translation>
    </message>
    <message>
        <source>The two passphrases differ.</source>
        <translation>两次输入的口令不一致。</translation>
    </message>
</context>
<context>
    <name>RecordEditor</name>
    <message>
        <source>Save draft</source>
        <translation>保存草稿</translation>
    </message>
    <message>
        <source>Ctrl+S</source>
        <translation>Ctrl+S</translation>
    </message>
    <message>
        <source>Save and mark final</source>
        <translation>保存并定稿</translation>
    </message>
    <message>
        <source>Check everything and mark the record ready to sync (Ctrl+Shift+S)</source>
        <translation>全面校验，并将记录标记为可报送（Ctrl+Shift+S）</translation>
    </message>
    <message>
        <source>Versions…</source>
        <translation>历史版本…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Copy last year&apos;s figures</source>
        <translation>沿用上年数据</translation>
    </message>
    <message>
        <source>Fill the empty fields from this enterprise&apos;s previous report; then correct what changed</source>
        <translation>用该企业上一份年度数据填入尚未填写的项目，再修改有变化的数字</translation>
    </message>
    <message>
        <source>Choose the enterprise first.</source>
        <translation>请先选择企业。</translation>
    </message>
    <message>
        <source>No earlier report of this enterprise.</source>
        <translation>该企业没有更早年度的数据。</translation>
    </message>
    <message>
        <source>Filled from the {year} report; check every figure.</source>
        <translation>已填入{year}年度的数据，请逐项核对。</translation>
    </message>
    <message>
        <source>Restored unsaved contents. Save to keep them.</source>
        <translation>已恢复未保存的内容，请保存。</translation>
    </message>
    <message>
        <source>New {form}</source>
        <translation>新建{form}</translation>
    </message>
    <message>
        <source>Not saved yet</source>
        <translation>尚未保存</translation>
    </message>
    <message>
        <source>Returned by the province for correction: {reason}</source>
        <translation>省级退回修改，原因：{reason}</translation>
    </message>
    <message>
        <source>(no reason given)</source>
        <translation>（未说明原因）</translation>
    </message>
    <message>
        <source>Unsaved changes kept safe at {time}</source>
        <translation>未保存的修改已于 {time} 暂存</translation>
    </message>
    <message numerus="yes">
        <source>%n problem(s) to fix before this can be saved. Click one to go to the field.</source>
        <translation>
            <numerusform>有 %n 处问题需要修改后才能保存。点击问题可跳到对应字段。</numerusform>
        </translation>
    </message>
    <message>
        <source>Saved. Please check these warnings:</source>
        <translation>已保存。请核对以下提示：</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Saved as version {n} at {time}</source>
        <translation>已于 {time} 保存为第 {n} 版</translation>
    </message>
    <message>
        <source>Save a final record</source>
        <translation>保存已定稿的记录</translation>
    </message>
    <message>
        <source>This record is final (or already with the province). Keep it final, so the changed version is sent at the next sync, or reopen it as a draft?</source>
        <translation>这条记录已定稿（或已上报省里）。保持定稿，修改后的版本将在下次同步时重新上报；还是改回草稿，稍后再定稿？</translation>
    </message>
    <message>
        <source>Keep final and send again</source>
        <translation>保持定稿并重新上报</translation>
    </message>
    <message>
        <source>Reopen as draft</source>
        <translation>改回草稿</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>未保存的修改</translation>
    </message>
    <message>
        <source>This record has changes that are not saved yet.</source>
        <translation>这条记录有尚未保存的修改。</translation>
    </message>
    <message>
        <source>Discard changes</source>
        <translation>放弃修改</translation>
    </message>
    <message>
        <source>Keep editing</source>
        <translation>继续编辑</translation>
    </message>
    <message>
        <source>(record not found: {id})</source>
        <translation>（找不到记录：{id}）</translation>
    </message>
</context>
<context>
    <name>RecordListPage</name>
    <message>
        <source>New record</source>
        <translation>新建记录</translation>
    </message>
    <message>
        <source>Ctrl+N</source>
        <translation>Ctrl+N</translation>
    </message>
    <message>
        <source>Search names, codes, any text… (Ctrl+F)</source>
        <translation>搜索名称、代码或任意文字…（Ctrl+F）</translation>
    </message>
    <message>
        <source>All sectors</source>
        <translation>全部领域</translation>
    </message>
    <message>
        <source>Any status</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <source>Clear filters</source>
        <translation>清除筛选</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Mark final</source>
        <translation>定稿</translation>
    </message>
    <message>
        <source>Check the selected drafts once more and mark them ready to sync</source>
        <translation>再次检查所选草稿，并标记为可上报（定稿）</translation>
    </message>
    <message>
        <source>Versions</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Save list as Excel…</source>
        <translation>列表导出为 Excel…</translation>
    </message>
    <message>
        <source>Every record of this list as filtered now, in the import template&apos;s layout</source>
        <translation>按当前筛选导出本列表的全部记录，格式与导入模板相同</translation>
    </message>
    <message>
        <source>Rows in orange were returned by the province; hover for the reason.</source>
        <translation>橙色行为省级退回的记录，鼠标悬停可查看原因。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>All directions</source>
        <translation>全部方向</translation>
    </message>
    <message>
        <source>text “{text}”</source>
        <translation>文字“{text}”</translation>
    </message>
    <message>
        <source>“{choice}”</source>
        <translation>“{choice}”</translation>
    </message>
    <message>
        <source>Filtered by {filters}: only matching records are listed.</source>
        <translation>已按{filters}筛选：只列出符合条件的记录。</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message numerus="yes">
        <source>%n record(s)</source>
        <translation>
            <numerusform>共 %n 条记录</numerusform>
        </translation>
    </message>
    <message>
        <source>Mark final ({n})</source>
        <translation>定稿（{n} 条）</translation>
    </message>
</context>
<context>
    <name>RecordModel</name>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Sector</source>
        <translation>领域</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>细分方向</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Versions</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Last changed</source>
        <translation>最近修改</translation>
    </message>
    <message>
        <source>Returned by the province: {reason}</source>
        <translation>省级退回：{reason}</translation>
    </message>
</context>
<context>
    <name>RecordPicker</name>
    <message>
        <source>Choose a record: {form}</source>
        <translation>选择记录：{form}</translation>
    </message>
</context>
<context>
    <name>RecordRefField</name>
    <message>
        <source>Not chosen</source>
        <translation>未选择</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
</context>
<context>
    <name>RecoveryDialog</name>
    <message>
        <source>Reset a passphrase with the recovery key</source>
        <translation>用恢复密钥重设口令</translation>
    </message>
    <message>
        <source>The recovery key was shown when the office was set up.</source>
        <translation>恢复密钥是在设置办公室时显示的那一串字符。</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>恢复密钥</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>New passphrase</source>
        <translation>新口令</translation>
    </message>
    <message>
        <source>Again</source>
        <translation>再输一次</translation>
    </message>
    <message>
        <source>The two passphrases differ.</source>
        <translation>两次输入的口令不一致。</translation>
    </message>
    <message>
        <source>Type the user whose passphrase is reset.</source>
        <translation>请输入要重设口令的用户。</translation>
    </message>
</context>
<context>
    <name>RecoveryPage</name>
    <message>
        <source>Keep the recovery key</source>
        <translation>保管好恢复密钥</translation>
    </message>
    <message>
        <source>If every passphrase is forgotten, this key is the only way into the office&apos;s data. It is shown only now: save it to a USB stick or print it, and keep it locked away.</source>
        <translation>所有口令都遗忘时，这是进入办公室数据的唯一途径。它只显示这一次：请保存到U盘或打印出来，并妥善锁存。</translation>
    </message>
    <message>
        <source>Save to file…</source>
        <translation>保存到文件…</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <source>How it is used: on the unlock screen, choose “Forgot the passphrase?”, type this key and the user&apos;s name, and set a new passphrase. The data stays as it is.

Keep it apart from this computer: whoever has the key and the computer can open the data. Do not store it in the same folder as the office data.</source>
        <translation>用法：在解锁界面点击“忘记口令？”，输入此密钥和用户名，即可设置新口令，数据保持不变。

请与本机分开保管：同时拿到密钥和这台电脑的人就能打开数据。不要把它存放在办公室数据所在的文件夹里。</translation>
    </message>
    <message>
        <source>I have saved or printed the recovery key and will keep it safe</source>
        <translation>我已保存或打印恢复密钥，并会妥善保管</translation>
    </message>
    <message>
        <source>For the office {name}, {unit}, created {day}.</source>
        <translation>适用于办公室：{name}，{unit}，创建于 {day}。</translation>
    </message>
    <message>
        <source>Recovery key of the office data (Anhui future-industry data collection)</source>
        <translation>办公室数据恢复密钥（安徽省未来产业数据采集）</translation>
    </message>
    <message>
        <source>Save the recovery key</source>
        <translation>保存恢复密钥</translation>
    </message>
    <message>
        <source>Text files (*.txt)</source>
        <translation>文本文件 (*.txt)</translation>
    </message>
    <message>
        <source>Saved to {path}.</source>
        <translation>已保存到 {path}。</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>Language (after restart)</source>
        <translation>界面语言（重启后生效）</translation>
    </message>
    <message>
        <source>Lock after idle minutes (0: never)</source>
        <translation>空闲多少分钟后锁定（0 为不锁定）</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>The new language is used from the next start.</source>
        <translation>新的界面语言将在下次启动时生效。</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>Set up this office</source>
        <translation>设置办公室</translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message>
        <source>This device</source>
        <translation>本设备</translation>
    </message>
    <message>
        <source>Device id</source>
        <translation>设备编号</translation>
    </message>
    <message>
        <source>Provincial endpoint</source>
        <translation>省级端点</translation>
    </message>
    <message>
        <source>Enrolled</source>
        <translation>登记时间</translation>
    </message>
    <message>
        <source>Send to the province</source>
        <translation>上报省里</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Final records are sent with their versions; drafts stay here. Everything sent is kept until the province&apos;s signed receipt is in.</source>
        <translation>定稿的记录连同其版本一起上报，草稿留在本机。已发送的内容会一直保留，直到收到省里签名的回执。</translation>
    </message>
    <message>
        <source>Receipts from the province</source>
        <translation>省里的回执</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Batch</source>
        <translation>批次序号</translation>
    </message>
    <message>
        <source>Batch id</source>
        <translation>批次标识</translation>
    </message>
    <message>
        <source>Received by the province</source>
        <translation>省里接收时间</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>接收</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>拒收</translation>
    </message>
    <message>
        <source>No receipts yet: they arrive with the first sync.</source>
        <translation>还没有回执：第一次同步后就会有。</translation>
    </message>
    <message>
        <source>Sync with the province</source>
        <translation>与省级端点同步</translation>
    </message>
    <message>
        <source>This office&apos;s device is not enrolled yet. Ask the province for a one-time enrollment code, then enter it below.</source>
        <translation>本办公室的设备尚未登记。请向省里索取一次性登记码，然后在下面填写。</translation>
    </message>
    <message>
        <source>This office&apos;s device is not enrolled yet. An administrator of this office must enroll it with the province&apos;s code.</source>
        <translation>本办公室的设备尚未登记，需由本办公室的管理员用省里发的登记码登记。</translation>
    </message>
    <message>
        <source>Enroll the device first</source>
        <translation>请先登记设备</translation>
    </message>
    <message numerus="yes">
        <source>%n record(s) waiting to be sent</source>
        <translation>
            <numerusform>待上报：%n 条记录</numerusform>
        </translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>{step}: {done} of {total} records answered</source>
        <translation>{step}：已答复 {done} / {total} 条记录</translation>
    </message>
    <message>
        <source>Sync done: sent {sent}, accepted {accepted}, rejected {rejected}, returned {returned}, updates pulled {pulled}.</source>
        <translation>同步完成：发送 {sent}，接收 {accepted}，拒收 {rejected}，退回 {returned}，获取更新 {pulled}。</translation>
    </message>
    <message>
        <source>{n} had already reached the province earlier.</source>
        <translation>其中 {n} 条此前已送达省里。</translation>
    </message>
    <message>
        <source>Rejected and returned records show as “Returned” in their form&apos;s list, with the province&apos;s reasons.</source>
        <translation>被拒收或退回的记录在其表单列表中显示为“已退回”，并附省里的理由。</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
</context>
<context>
    <name>SyncPlaceholder</name>
    <message>
        <source>Sending records to the province will appear here. Until then, finished records wait safely in this office&apos;s database.</source>
        <translation>向省级报送记录的功能将显示在这里。在此之前，已定稿的记录安全地保存在本办公室的数据库中。</translation>
    </message>
</context>
<context>
    <name>UnlockDialog</name>
    <message>
        <source>Unlock the office data</source>
        <translation>解锁办公室数据</translation>
    </message>
    <message>
        <source>Anhui Future Industry Data Collection</source>
        <translation>安徽省未来产业数据采集</translation>
    </message>
    <message>
        <source>The office data on this computer is encrypted. Sign in to continue.</source>
        <translation>本机上的办公室数据已加密，请登录后继续。</translation>
    </message>
    <message>
        <source>Leave empty for the first administrator</source>
        <translation>留空则为第一位管理员</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>口令</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Forgot the passphrase?</source>
        <translation>忘记口令？</translation>
    </message>
    <message>
        <source>Type the passphrase.</source>
        <translation>请输入口令。</translation>
    </message>
    <message>
        <source>Unlocking…</source>
        <translation>正在解锁…</translation>
    </message>
</context>
<context>
    <name>UsersDialog</name>
    <message>
        <source>Working…</source>
        <translation>正在处理…</translation>
    </message>
    <message>
        <source>Users of this office</source>
        <translation>本办公室的用户</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Can sign in</source>
        <translation>可否登录</translation>
    </message>
    <message>
        <source>Added</source>
        <translation>添加时间</translation>
    </message>
    <message>
        <source>Added by</source>
        <translation>添加人</translation>
    </message>
    <message>
        <source>Add user…</source>
        <translation>添加用户…</translation>
    </message>
    <message>
        <source>Set passphrase…</source>
        <translation>设置口令…</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>The user can no longer sign in; what they entered stays. Set a new passphrase to enable them again.</source>
        <translation>停用后该用户不能再登录，其录入的数据保留。为其设置新口令即可重新启用。</translation>
    </message>
    <message>
        <source>List the users on the sign-in screen</source>
        <translation>在登录界面列出用户</translation>
    </message>
    <message>
        <source>The names are kept in a file beside the encrypted data, readable by anyone who can open the data folder. Turned off, each user types their name.</source>
        <translation>用户名保存在加密数据旁的一个文件中，能打开数据文件夹的人都能看到。关闭后，每位用户登录时须自己输入用户名。</translation>
    </message>
    <message>
        <source>Only an administrator can add, disable or enable users or set other users&apos; passphrases.</source>
        <translation>只有管理员可以添加、停用或启用用户，或为其他用户设置口令。</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>Enable with a new passphrase…</source>
        <translation>设置新口令以启用…</translation>
    </message>
</context>
<context>
    <name>VersionsDialog</name>
    <message>
        <source>Versions of {title}</source>
        <translation>“{title}”的历史版本</translation>
    </message>
    <message>
        <source>Version {n} · {status}
{time} · {author}</source>
        <translation>第 {n} 版 · {status}
{time} · {author}</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>This version</source>
        <translation>本版内容</translation>
    </message>
    <message>
        <source>Before</source>
        <translation>修改前</translation>
    </message>
    <message>
        <source>{time}: {who} set the status to {status}</source>
        <translation>{time}：{who} 将状态改为“{status}”</translation>
    </message>
    <message>
        <source>First version: the record as created.</source>
        <translation>第一版：记录创建时的内容。</translation>
    </message>
    <message numerus="yes">
        <source>%n field(s) changed from version {prev} (highlighted).</source>
        <translation>
            <numerusform>与第 {prev} 版相比有 %n 个字段发生变化（已高亮）。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Wizard</name>
    <message>
        <source> (park)</source>
        <translation>（园区）</translation>
    </message>
</context>
</TS>
